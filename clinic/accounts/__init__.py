"""Signing in: login limits no stranger can use to lock a user out, and the second factor every staff
account must have (allauth's adapters, which use them, are clinic/adapters.py)."""
