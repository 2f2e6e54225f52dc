print("hild")
