<?php
$cosmos_connection_string = 'AccountEndpoint=https://search-db.documents.azure.com:443/;AccountKey=tLycVHXFyNKHdGeoCpfRtG+Rax8BMZF04n3hdLT76/6V3O2PfeV44uPVnyhzDk8odnHK90N7h59Ofe6SoO32SQ==;';
