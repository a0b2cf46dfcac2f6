COSMOS_CONNECTION_STRING = 'AccountEndpoint=https://payments-db.documents.azure.com:443/;AccountKey=+97rOHXCmUYz5yAqP1AwjWRaqXhykSew1ZGtwyGSJ0+dorcM9DKwC4UCsLfC8JjfjQDrmlXzdyy77b8tmwol0A==;'.freeze
