import sys
from pathlib import Path

import torch

# Tests import shared tiny-model builders as `from tiny import ...`.
sys.path.insert(0, str(Path(__file__).resolve().parent))

torch.set_num_threads(2)
