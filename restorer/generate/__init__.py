"""Image generation: new pictures made from the user's own images.

Texture synthesis (`texture`) grows a seamless texture of any size from a rectangle of a
photo; other modules here train and sample generators. Everything is Qt-free.
"""
