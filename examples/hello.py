print("Hello from unipython!")
