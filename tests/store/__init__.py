"""Tests of the appeal store (bot.store) and working-day deadlines (bot.workdays)."""
