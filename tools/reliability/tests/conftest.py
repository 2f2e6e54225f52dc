import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)                              # reliability_suite.py
sys.path.insert(0, os.path.join(HERE, ".."))          # hilreliability without installing
