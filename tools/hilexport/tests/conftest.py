import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)                              # nets.py
sys.path.insert(0, os.path.join(HERE, ".."))          # hilexport without installing
