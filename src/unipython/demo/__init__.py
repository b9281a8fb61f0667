"""The app `unipython run` boots when it is given none."""
