"""The sentence classifier: segmentation, the network, inference and saved artifacts."""
