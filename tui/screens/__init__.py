"""Screens and modals: the board, an order, forms, editors and questions."""
