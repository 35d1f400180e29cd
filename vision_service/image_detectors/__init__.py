"""Image object detectors: `/vision/v2/image_detectors`, the pre-built `generic` (COCO) one."""
