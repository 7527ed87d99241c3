"""Corpus, training and evaluation of the sentence classifier."""
