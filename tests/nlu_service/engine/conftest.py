"""Fixtures for the text engine's tests: one loaded encoder and a small real intent set."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from nlu_service.engine import LabelledText, TextEncoder

# Eight chatbot intents, six ways of saying each: the training set.
INTENT_TRAIN: dict[str, list[str]] = {
    "greeting": [
        "hello",
        "hi there",
        "good morning",
        "hey, how are you?",
        "howzit",
        "good evening to you",
    ],
    "goodbye": [
        "bye",
        "see you later",
        "goodbye for now",
        "talk to you tomorrow",
        "I have to go, cheers",
        "have a nice day, bye",
    ],
    "check_balance": [
        "what is my account balance",
        "how much money do I have",
        "show me my balance",
        "check my savings account",
        "how much is left in my account",
        "tell me my current balance",
    ],
    "transfer_money": [
        "send money to my brother",
        "transfer R500 to savings",
        "I want to pay my friend",
        "move money between my accounts",
        "make a payment to John",
        "wire funds to another bank",
    ],
    "weather": [
        "what's the weather like today",
        "will it rain tomorrow",
        "is it going to be sunny",
        "what is the temperature outside",
        "weather forecast for the weekend",
        "do I need an umbrella today",
    ],
    "book_flight": [
        "book a flight to Johannesburg",
        "I need a plane ticket to London",
        "find me flights to Durban next week",
        "reserve a seat on a flight to Cape Town",
        "I want to fly to Nairobi on Friday",
        "get me an airline ticket",
    ],
    "play_music": [
        "play some music",
        "put on my favourite song",
        "I want to listen to jazz",
        "play the latest album by Beyonce",
        "start my workout playlist",
        "turn on the radio",
    ],
    "order_food": [
        "I want to order a pizza",
        "get me a burger and chips",
        "order sushi for dinner",
        "can I get food delivered",
        "I'm hungry, order something to eat",
        "deliver a chicken curry to my house",
    ],
}

# Held-out paraphrases: none of these sentences is in the training set.
INTENT_TEST: list[tuple[str, str]] = [
    ("hiya, nice to meet you", "greeting"),
    ("good afternoon", "greeting"),
    ("catch you later", "goodbye"),
    ("farewell, take care", "goodbye"),
    ("what's my bank balance", "check_balance"),
    ("how much cash is in my cheque account", "check_balance"),
    ("pay R200 to my mom", "transfer_money"),
    ("transfer funds to my savings account", "transfer_money"),
    ("is it cold outside today", "weather"),
    ("will there be a storm this afternoon", "weather"),
    ("book me a flight to Paris", "book_flight"),
    ("I need to fly to Port Elizabeth tomorrow", "book_flight"),
    ("play a song by Miriam Makeba", "play_music"),
    ("I want to hear some rock music", "play_music"),
    ("order me a pizza with extra cheese", "order_food"),
    ("I'd like to get takeaway for lunch", "order_food"),
]


@pytest.fixture(scope="session")
def intent_samples() -> tuple[list[LabelledText], list[LabelledText]]:
    """Return the intent set as (training, held-out) samples."""
    train = [
        LabelledText(text=text, label=label, uuid=f"{label}-{i}")
        for label, texts in INTENT_TRAIN.items()
        for i, text in enumerate(texts)
    ]
    test = [LabelledText(text=text, label=label) for text, label in INTENT_TEST]
    return train, test


@pytest.fixture(scope="session")
def encoder(models_dir: Path) -> TextEncoder:
    """Return the text encoder built by `make models`."""
    return TextEncoder.load(models_dir, threads=2)


@pytest.fixture(scope="session")
def intent_embeddings(
    encoder: TextEncoder, intent_samples: tuple[list[LabelledText], list[LabelledText]]
) -> tuple[np.ndarray, list[str], np.ndarray, list[str]]:
    """Return (train_x, train_y, test_x, test_y) for the intent set."""
    train, test = intent_samples
    return (
        encoder.encode([s.text for s in train]),
        [s.label for s in train],
        encoder.encode([s.text for s in test]),
        [s.label for s in test],
    )
