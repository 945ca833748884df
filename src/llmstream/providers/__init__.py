"""Provider adapters: one small class per chat-completions API."""

from ._base import Provider
from .azure import AzureOpenAI
from .cerebras import Cerebras
from .compatible import OpenAICompatible
from .groq import Groq
from .openai import OpenAI
from .openrouter import OpenRouter, OpenRouterRouting
from .xai import XAI

__all__ = [
    "XAI",
    "AzureOpenAI",
    "Cerebras",
    "Groq",
    "OpenAI",
    "OpenAICompatible",
    "OpenRouter",
    "OpenRouterRouting",
    "Provider",
]
