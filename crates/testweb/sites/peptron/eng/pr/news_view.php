<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>PEPTRON :: PR Center &gt; News</title></head>
<body><script type="text/javascript">alert('The post does not exist.'); history.back();</script></body></html>
