from tests.fakes.github import fake_github

__all__ = ["fake_github"]
