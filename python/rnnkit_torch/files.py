"""rnnkit model files as torch modules: `load(path)` and `save(module, path)`.

A model file is one safetensors file whose metadata holds `format` ("rnnkit"),
`format_version`, `model_type`, the model's `config` (JSON) and its vocabularies (`tokenizer`,
`output_tokenizer`, `tokens`, `labels`, JSON); its tensors are the state dict under rnnkit's
names, which are the modules' own (see models.py).
"""
import json

import torch

from . import models
from .safetensors import load_file, save_file

FORMAT_VERSION = 1

CLASSES = {
    'language-model': models.LanguageModel,
    'sequence-tagger': models.SequenceTagger,
    'sequence-classifier': models.SequenceClassifier,
    'sequence-regressor': models.SequenceRegressor,
    'ctc-model': models.CTCModel,
    'sequence-generator': models.SequenceGenerator,
    'seq2seq': models.Seq2Seq,
}


def load(path):
    """The torch module of an rnnkit model file, in eval mode, with `model_type`, `settings` and the
    file's `metadata` as attributes (`save` writes them back).

    Raises ValueError on a file that is not an rnnkit model file of a known type and version, or whose
    cell variant torch lacks.
    """
    tensors, metadata = load_file(path)
    if metadata.get('format') != 'rnnkit':
        raise ValueError(f'{path}: not an rnnkit model file (its metadata lacks format "rnnkit")')
    if metadata.get('format_version') != str(FORMAT_VERSION):
        raise ValueError(f"{path}: format_version {metadata.get('format_version')} (this rnnkit_torch reads {FORMAT_VERSION})")
    model_type = metadata.get('model_type')
    if model_type not in CLASSES:
        raise ValueError(f"{path}: unknown model_type '{model_type}' (expected one of: {', '.join(CLASSES)})")
    settings = json.loads(metadata['config'])
    if model_type == 'language-model':
        module = models.LanguageModel(settings, tensors['embedding.weight'].shape[0])
    else:
        module = CLASSES[model_type](settings)
    module.load_state_dict({name: t.float() for name, t in tensors.items()}, strict=True)
    module.model_type = model_type
    module.metadata = dict(metadata)
    return module.eval()


def save(module, path, metadata=None):
    """Writes `module` as an rnnkit model file at `path`, atomically.

    `metadata`: the file's entries besides format, version, type and config (vocabularies); by
    default those `module` was loaded with. The config is `module.settings`.
    """
    model_type = getattr(module, 'model_type', None) or next(
        (t for t, cls in CLASSES.items() if isinstance(module, cls)), None)
    if model_type is None:
        raise ValueError(f'save: {type(module).__name__} is not an rnnkit_torch model')
    base = dict(getattr(module, 'metadata', {}) if metadata is None else metadata)
    base.update(format='rnnkit', format_version=str(FORMAT_VERSION), model_type=model_type,
                config=json.dumps(module.settings, separators=(',', ':')))
    state = {name: t.detach().to(torch.float32) for name, t in module.state_dict().items()}
    save_file(state, path, base)
