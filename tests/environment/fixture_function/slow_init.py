"""A handler module whose import never finishes in time: the runtime never asks for work."""

import time

time.sleep(60)


def handler(event, context):
    return "unreachable"
