"""A user's own images on disk (torchvision's ImageFolder layout, per split): ``layout`` finds and checks
every entry before any is opened, ``pixels`` converts the images into one MedMNIST-format file. The
``folder`` source (``data/sources/folder.py``) is the workflow's door to both."""
