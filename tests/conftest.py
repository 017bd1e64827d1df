import os
import sys

# tests/reference.py and tests/planted.py are plain helper modules.
sys.path.insert(0, os.path.dirname(__file__))
