"""`/nlu/v2/sentiment_detectors`: the pre-built generic VADER sentiment detector."""
