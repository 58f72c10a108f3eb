"""Image generation: new pictures made from the user's own images.

Texture synthesis (`texture`) grows a seamless texture of any size from a rectangle of a
photo; `gan` trains a small generator on a folder of pictures and samples it. Everything
is Qt-free.
"""
