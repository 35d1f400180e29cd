"""`/nlu/v2/text_datasets`: named collections of labelled text samples, kept in the model store."""
