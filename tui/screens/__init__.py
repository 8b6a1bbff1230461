"""Provides the app's screens: the stepping screen and its dialogs."""
