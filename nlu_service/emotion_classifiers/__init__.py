"""`/nlu/v2/emotion_classifiers`: the pre-built generic GoEmotions emotion classifier."""
