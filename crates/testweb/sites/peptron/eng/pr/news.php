<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta http-equiv="X-UA-Compatible" content="IE=edge">
<title>PEPTRON :: PR Center &gt; News</title>
<link rel="stylesheet" type="text/css" href="../css/sub.css">
<script type="text/javascript" src="../js/jquery-1.12.4.min.js"></script>
</head>
<body>
<div id="wrap">
	<div id="header">
		<h1 class="logo"><a href="../index.php"><img src="../images/common/logo.png" alt="PEPTRON"></a></h1>
		<ul id="gnb">
			<li><a href="../company/ceo.php">Company</a></li>
			<li><a href="../rnd/smartdepot.php">R&amp;D</a></li>
			<li><a href="../pipeline/pipeline.php">Pipeline</a></li>
			<li class="on"><a href="news.php">PR Center</a></li>
			<li><a href="../ir/stock.php">IR</a></li>
		</ul>
		<div class="lang"><a href="../../kor/index.php">KOR</a> | <a href="../index.php" class="on">ENG</a></div>
	</div>
	<div id="container">
		<div class="lnb"><h2>PR Center</h2><ul><li class="on"><a href="news.php">News</a></li><li><a href="gallery.php">Gallery</a></li></ul></div>
		<div id="content">
			<div class="location">Home &gt; PR Center &gt; <strong>News</strong></div>
			<h3 class="sub_tit">News</h3>
			<div class="board_top">
				<p class="total">Total <strong>62</strong> posts</p>
				<form name="searchForm" method="get" action="news.php" class="board_search">
					<select name="search_key"><option value="subject">Subject</option><option value="content">Content</option></select>
					<input type="text" name="search_val" value="" title="Search"><button type="submit">Search</button>
				</form>
			</div>
			<table class="board_list" summary="News list: number, subject, date, hits">
				<caption>News list</caption>
				<colgroup><col width="8%"><col width="*"><col width="14%"><col width="10%"></colgroup>
				<thead>
				<tr>
					<th scope="col">No.</th>
					<th scope="col">Subject</th>
					<th scope="col">Date</th>
					<th scope="col">Hits</th>
				</tr>
				</thead>
				<tbody>
				<tr class="notice">
					<td class="num"><span class="icon_notice">Notice</span></td>
					<td class="subject"><a href="news_view.php?idx=301">Notice: Change of Peptron Corporate Website Address</a></td>
					<td class="date">2025.03.20</td>
					<td class="hit">1204</td>
				</tr>
				<tr>
					<td class="num">62</td>
					<td class="subject"><a href="news_view.php?idx=418">Peptron Signs Technology Evaluation Agreement with Global Pharma for SmartDepot™-Based Long-Acting Formulation</a></td>
					<td class="date">2025.12.01</td>
					<td class="hit">412</td>
				</tr>
				<tr>
					<td class="num">61</td>
					<td class="subject"><a href="news_view.php?idx=415">Peptron Presents Phase 2 Data of PT320, a Once-Weekly Sustained Release Exenatide, in Early Parkinson’s Disease</a></td>
					<td class="date">2025.11.17</td>
					<td class="hit">377</td>
				</tr>
				<tr>
					<td class="num">60</td>
					<td class="subject"><a href="news_view.php?idx=411">Peptron Selected for National Bio Project to Develop 3-Month Leuprolide Depot</a></td>
					<td class="date">2025.10.30</td>
					<td class="hit">298</td>
				</tr>
				<tr>
					<td class="num">59</td>
					<td class="subject"><a href="news_view.php?idx=407">Peptron Announces Q3 2025 Earnings Release Schedule</a></td>
					<td class="date">2025.10.13</td>
					<td class="hit">164</td>
				</tr>
				<tr>
					<td class="num">58</td>
					<td class="subject"><a href="news_view.php?idx=402">Peptron Completes GMP Microsphere Manufacturing Facility in Osong</a></td>
					<td class="date">2025.09.22</td>
					<td class="hit">251</td>
				</tr>
				<tr>
					<td class="num">57</td>
					<td class="subject"><a href="news_view.php?idx=398">Peptron Recruiting: Microsphere Process Engineer (Experienced)</a></td>
					<td class="date">2025.08.28</td>
					<td class="hit">520</td>
				</tr>
				</tbody>
			</table>
			<div class="paging">
				<a href="news.php?page=1" class="first">&lt;&lt;</a>
				<strong>1</strong>
				<a href="news.php?page=2">2</a>
				<a href="news.php?page=3">3</a>
				<a href="news.php?page=2" class="next">&gt;</a>
			</div>
		</div>
	</div>
	<div id="footer"><p>PEPTRON Inc. 37-24, Yuseong-daero 1628beon-gil, Yuseong-gu, Daejeon, Korea</p><p>Copyright &copy; PEPTRON. All rights reserved.</p></div>
</div>
</body>
</html>
