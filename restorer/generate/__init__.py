"""Image generation from the user's own pictures: GAN training and sampling, texture
synthesis and canvas extension. Plain numpy/torch, no Qt, nothing downloaded."""
