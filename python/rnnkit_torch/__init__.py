"""rnnkit_torch: rnnkit's models as PyTorch modules.

`load(path)` reads any rnnkit model file (language model, tagger, classifier, regressor, CTC
model, generator, seq2seq) as a torch.nn.Module whose parameter names are rnnkit's, and
`save(module, path)` writes one back that rnnkit loads. `python -m rnnkit_torch.train` continues
training an rnnkit language model, on one process or many (torchrun, DistributedDataParallel).
Depends on torch and the standard library only. MIT licence, as rnnkit.
"""
from .files import load, save

__all__ = ['load', 'save']
