"""Proactive reminders (issue #6): rules as data, a durable schedule in the appeal store, and
delivery through each person's own channel. ``python -m bot.reminders`` runs the scheduler."""
