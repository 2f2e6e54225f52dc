print("hilctl")
