"""`/vision/v2/image_datasets`: named collections of labelled images, kept in the model store."""
