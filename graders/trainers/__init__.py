"""Scripts that train the weights the course ships, and their building blocks.

- ``resnet50``: the Week 2 ResNet-50 for SIGNS (``data/weights/resnet50_signs.npz``), run as
  ``python -m graders.trainers.resnet50`` (``make weights``);
- ``road_detector``: the Week 3 car detector (``utils.detector``), run as
  ``python -m graders.trainers.road_detector``; it uses ``anchors`` (k-means anchor boxes),
  ``yolo_loss`` (target encoding and the YOLOv2 loss) and ``detection_eval`` (decoding, NMS and
  mAP@0.5, also used by ``bench/detector_map.py``);
- ``face_encoder``: the Week 4 face encoder (``utils.face_encoder``), run as
  ``python -m graders.trainers.face_encoder``; trained with the triplet loss and batch-hard
  mining, it uses ``face_eval`` (held-out pictures, pairs, verification accuracy and ROC AUC,
  also used by ``bench/face_verify.py``).
"""
