"""The value encoding shared by the vector generators (decoded by
`engine/tests/common/mod.rs`): a one-letter tag, then the payload."""

import struct


class Rendered(object):
    """A producer-rendered object: str() and repr() are the given text."""

    def __init__(self, text):
        self.text = text

    def __str__(self):
        return self.text

    def __repr__(self):
        return self.text


Rendered.__name__ = 'str'  # error messages name the type of the original str


def hexs(s):
    return s.encode('utf-8', 'surrogatepass').hex()


def enc(v):
    if v is None:
        return 'N'
    if v is True:
        return 'B1'
    if v is False:
        return 'B0'
    if isinstance(v, int):
        return ('i%d' if -2**63 <= v < 2**63 else 'I%d') % v
    if isinstance(v, float):
        return 'f%016x' % struct.unpack('<Q', struct.pack('<d', v))[0]
    if isinstance(v, str):
        return 's' + hexs(v)
    if isinstance(v, bytes):
        return 'y' + v.hex()
    if isinstance(v, Rendered):
        return 'r' + hexs(v.text)
    raise TypeError(v)
