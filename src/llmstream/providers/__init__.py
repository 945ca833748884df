"""Provider adapters: one small class per chat-completions API."""

from ._base import Provider
from .cerebras import Cerebras
from .compatible import OpenAICompatible
from .groq import Groq
from .openai import OpenAI
from .xai import XAI

__all__ = ["XAI", "Cerebras", "Groq", "OpenAI", "OpenAICompatible", "Provider"]
