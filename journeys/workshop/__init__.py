"""The live workshop on a journey: who is on it, their saves as they happen, and dot-voting."""
