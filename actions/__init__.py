"""Rasa action server for Qihu: thin adapters from Rasa trackers to the `bot` package."""
