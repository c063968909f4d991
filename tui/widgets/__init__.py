"""Widgets of the board: stage columns, cards and the safe rendering of people's text."""
