"""Offline batch labelling of whole corpora: ``argmine label``.

Readers stream documents (or ``BadRecord``s) from files, the local or Ray engine
labels them chunk by chunk with the same predictor and segmentation as the
service, and writers append whole chunks so a killed run can be resumed.
"""
