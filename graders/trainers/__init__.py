"""Scripts that train the weights the course ships, and their building blocks.

- ``resnet50``: the Week 2 ResNet-50 for SIGNS (``data/weights/resnet50_signs.npz``), run as
  ``python -m graders.trainers.resnet50`` (``make weights``);
- ``road_detector``: the Week 3 car detector (``utils.detector``), run as
  ``python -m graders.trainers.road_detector``; it uses ``anchors`` (k-means anchor boxes),
  ``yolo_loss`` (target encoding and the YOLOv2 loss) and ``detection_eval`` (decoding, NMS and
  mAP@0.5, also used by ``bench/detector_map.py``).
"""
