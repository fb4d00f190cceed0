"""Providers: Anthropic and OpenAI behind one interface (:class:`.base.Provider`).

The SDKs are imported lazily inside the implementations: ``import anthropic`` alone costs a
second or more, and nothing should wait for it before a network call is needed.
"""
