"""Realistic wrong implementations of the Week 4 "Face recognition" functions.

Each ``source`` replaces the body of a ``# GRADED FUNCTION`` cell. Every one must lose its own
function's points and no other's (tests/test_grading.py); the outputs they produce are recorded
in graders/reference/week4_face_recognition.json so that feedback can quote ``hint``.
"""
from graders.mutants import Mutant

_TRIPLET = '''
def triplet_loss(y_true, y_pred, alpha=0.2):
    anchor, positive, negative = y_pred[0], y_pred[1], y_pred[2]
    pos_dist = {pos}
    neg_dist = {neg}
    basic_loss = pos_dist - neg_dist + alpha
    loss = {loss}
    return loss
'''
_SQUARED = "tf.reduce_sum(tf.square(tf.subtract(anchor, {other})), axis=-1)"
_PLAIN = "tf.sqrt(tf.reduce_sum(tf.square(tf.subtract(anchor, {other})), axis=-1))"
_SUM_OF_HINGES = "tf.reduce_sum(tf.maximum(basic_loss, 0.0))"


def _triplet(pos=_SQUARED, neg=_SQUARED, loss=_SUM_OF_HINGES) -> str:
    return _TRIPLET.format(pos=pos.format(other="positive"), neg=neg.format(other="negative"),
                           loss=loss)


TRIPLET_LOSS = [
    Mutant("triplet_loss", "mean_not_sum",
           "the loss is the mean over the triplets; the lecture's cost J is their sum "
           "(tf.reduce_sum).",
           _triplet(loss="tf.reduce_mean(tf.maximum(basic_loss, 0.0))")),
    Mutant("triplet_loss", "plain_distances",
           "the distances are plain Euclidean distances; the triplet loss uses squared ones "
           "(sum the squared differences, no square root).",
           _triplet(pos=_PLAIN, neg=_PLAIN)),
    Mutant("triplet_loss", "no_hinge",
           "triplets that already meet the margin made the loss negative; take the maximum "
           "of each triplet's basic_loss and 0 before summing.",
           _triplet(loss="tf.reduce_sum(basic_loss)")),
    Mutant("triplet_loss", "hinge_on_total",
           "the maximum with 0 was taken once, of the batch's total; take it for each triplet, "
           "then sum, so that easy triplets cannot cancel hard ones.",
           _triplet(loss="tf.maximum(tf.reduce_sum(basic_loss), 0.0)")),
]

_SCORE = '''
def verification_score(f1, f2, w, b):
    features = {features}
    z = {z}
    y_hat = {y_hat}
    return y_hat
'''
_ABS = "np.abs(np.asarray(f1) - np.asarray(f2))"
_Z = "features @ np.asarray(w) + b"
_SIGMOID = "1 / (1 + np.exp(-z))"

VERIFICATION_SCORE = [
    Mutant("verification_score", "signed_difference",
           "the features are f1 - f2; the lecture's features are the absolute differences "
           "|f1 - f2| (np.abs), so that the order of the two pictures does not matter.",
           _SCORE.format(features="np.asarray(f1) - np.asarray(f2)", z=_Z, y_hat=_SIGMOID)),
    Mutant("verification_score", "no_sigmoid",
           "y_hat is the weighted sum itself; pass it through the sigmoid 1 / (1 + exp(-z)) "
           "to get a probability.",
           _SCORE.format(features=_ABS, z=_Z, y_hat="z")),
    Mutant("verification_score", "squared_difference",
           "the features are squared differences; this unit uses the absolute differences "
           "|f1 - f2|.",
           _SCORE.format(features="(np.asarray(f1) - np.asarray(f2)) ** 2", z=_Z, y_hat=_SIGMOID)),
]

_VERIFY = '''
def verify(image_path, identity, database, model):
    encoding = img_to_encoding(image_path, model)
    dist = {dist}
    if {condition}:
        print(f"It's {{identity}}, welcome in!")
        door_open = True
    else:
        print(f"It's not {{identity}}, please go away")
        door_open = False
    return dist, door_open
'''
_L2 = "np.linalg.norm(encoding - database[identity])"

VERIFY = [
    Mutant("verify", "door_opens_when_far",
           "the door opened for a distance above 0.7; it must open when dist < 0.7.",
           _VERIFY.format(dist=_L2, condition="dist > 0.7")),
    Mutant("verify", "squared_distance",
           "dist is the squared distance; verify thresholds the plain L2 distance "
           "(np.linalg.norm) at 0.7.",
           _VERIFY.format(dist="np.sum(np.square(encoding - database[identity]))",
                          condition="dist < 0.7")),
]

_WHO = '''
def who_is_it(image_path, database, model):
    encoding = img_to_encoding(image_path, model)
    {before}
    identity = None
    for name, db_enc in database.items():
        {inside}
        dist = {dist}
        if {condition}:
            min_dist, identity = dist, name
    if min_dist > 0.7:
        print("Not in the database.")
    else:
        print(f"it's {{identity}}, the distance is {{min_dist}}")
    return min_dist, identity
'''
_DB_L2 = "np.linalg.norm(encoding - db_enc)"

WHO_IS_IT = [
    Mutant("who_is_it", "min_dist_reset_in_loop",
           "min_dist was set to 100 inside the loop, so every resident looked closest and the "
           "last one won; set it once, before the loop.",
           _WHO.format(before="pass", inside="min_dist = 100", dist=_DB_L2,
                       condition="dist < min_dist")),
    Mutant("who_is_it", "keeps_larger_distance",
           "the comparison keeps a distance that is larger than min_dist; keep the resident "
           "whenever dist < min_dist.",
           _WHO.format(before="min_dist = 100", inside="pass", dist=_DB_L2,
                       condition="dist > min_dist")),
    Mutant("who_is_it", "squared_distance",
           "the distances are squared; who_is_it compares plain L2 distances (np.linalg.norm) "
           "with the threshold 0.7.",
           _WHO.format(before="min_dist = 100", inside="pass",
                       dist="np.sum(np.square(encoding - db_enc))", condition="dist < min_dist")),
]

MUTANTS = TRIPLET_LOSS + VERIFICATION_SCORE + VERIFY + WHO_IS_IT
