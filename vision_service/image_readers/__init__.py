"""`/vision/v2/image_readers`: the pre-built `generic` OCR instance (RapidOCR, PP-OCRv4)."""
