"""quizbot: daily LLM-engineering interview practice for teams."""

__version__ = "0.1.0"
