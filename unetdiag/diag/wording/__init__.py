"""Wording: turning typed evidence into sentences (text helpers and the headline pipeline)."""
