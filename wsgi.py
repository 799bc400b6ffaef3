from kopedu import create_app

app = create_app()
