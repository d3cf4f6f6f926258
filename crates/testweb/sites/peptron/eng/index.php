<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>PEPTRON</title></head>
<body><h1>PEPTRON</h1><p><a href="pr/news.php">News</a></p></body></html>
