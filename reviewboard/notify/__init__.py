"""Reminders: one daily digest per person, sent through SMTP or logged, never repeating a notice."""
