"""Exemplar-based image completion: patch search, voting and the multi-scale fill.

`search` holds the reusable pieces (a PatchMatch nearest-neighbour field, patch voting,
field upsampling) that both the repair engine (`restorer.exemplar.fill`) and texture
synthesis build on. Everything is PyTorch, so the same code runs on CPU and CUDA.
"""
