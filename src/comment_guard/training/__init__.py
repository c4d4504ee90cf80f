"""Training: labelled rows -> fitted RiskModel -> metrics -> model directory.

This is an outer layer: it uses the core (features, model, artifact) and the core never
imports it.
"""
