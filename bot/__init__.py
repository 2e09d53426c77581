"""Qihu (企呼): the Nanchuan district business-environment assistant's Python code."""
