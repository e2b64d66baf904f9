"""Deterministic generators for the course's two small image sets (SIGNS and Happy House).

The original course's datasets cannot be downloaded here, so the project draws its own: hand
signs for the digits 0-5 and faces that are happy or not, 64x64 RGB, with varied pose, scale,
colour, lighting, background clutter, occlusion and noise. ``python -m utils.synth`` (or
``make data``) writes them as HDF5 files with the original layout; see data/README.md.

Bit-for-bit reproducibility: every image has its own NumPy ``Generator`` seeded from
(dataset, split, index), and pixels are computed with elementwise IEEE operations only (``+ - *
/ sqrt``, comparisons); trigonometry happens on Python scalars. No reductions or BLAS calls
touch pixel values, so the bytes do not depend on the CPU's SIMD width or thread count.
"""
