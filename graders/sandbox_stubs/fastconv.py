"""Put in place of utils/fastconv.py inside the grading sandbox (``graders.sandbox``).

The vectorised convolution computes what Week 1's graded ``conv_forward``, ``pool_forward`` and
``conv_backward`` must, so a graded kernel does not get it.
"""
raise ImportError("utils.fastconv (the vectorised convolution) is not available while a notebook "
                  "is graded: a graded function must compute its result itself")
