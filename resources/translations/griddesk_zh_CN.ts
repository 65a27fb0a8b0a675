<?xml version='1.0' encoding='utf-8'?>
<TS version="2.1" language="zh_CN">
<context>
    <name>CasePane</name>
    <message>
        <location filename="../../app/views/case_pane.py" line="38" />
        <location filename="../../app/views/case_pane.py" line="88" />
        <source>No case selected</source>
        <translation>未选择案卷</translation>
    </message>
    <message>
        <location filename="../../app/views/case_pane.py" line="42" />
        <source>Status</source>
        <translation>状态</translation>
    </message>
    <message>
        <location filename="../../app/views/case_pane.py" line="42" />
        <source>Category</source>
        <translation>类别</translation>
    </message>
    <message>
        <location filename="../../app/views/case_pane.py" line="43" />
        <source>Cell</source>
        <translation>网格</translation>
    </message>
    <message>
        <location filename="../../app/views/case_pane.py" line="43" />
        <source>Address</source>
        <translation>地址</translation>
    </message>
    <message>
        <location filename="../../app/views/case_pane.py" line="44" />
        <source>Description</source>
        <translation>问题描述</translation>
    </message>
    <message>
        <location filename="../../app/views/case_pane.py" line="44" />
        <source>Source</source>
        <translation>来源</translation>
    </message>
    <message>
        <location filename="../../app/views/case_pane.py" line="45" />
        <source>Department</source>
        <translation>处置部门</translation>
    </message>
    <message>
        <location filename="../../app/views/case_pane.py" line="45" />
        <source>Deadline</source>
        <translation>处置时限</translation>
    </message>
    <message>
        <location filename="../../app/views/case_pane.py" line="46" />
        <source>Numbers</source>
        <translation>案卷号</translation>
    </message>
    <message>
        <location filename="../../app/views/case_pane.py" line="54" />
        <source>Dispatch (Ctrl+D)</source>
        <translation>派遣 (Ctrl+D)</translation>
    </message>
    <message>
        <location filename="../../app/views/case_pane.py" line="55" />
        <source>Close case (Ctrl+K)</source>
        <translation>结案 (Ctrl+K)</translation>
    </message>
    <message>
        <location filename="../../app/views/case_pane.py" line="65" />
        <source>Timeline</source>
        <translation>办理过程</translation>
    </message>
    <message numerus="yes">
        <location filename="../../app/views/case_pane.py" line="97" />
        <source>(%n command(s) waiting for the server)</source>
        <translation><numerusform>（%n 条指令待服务器确认）</numerusform></translation>
    </message>
    <message>
        <location filename="../../app/views/case_pane.py" line="124" />
        <source>[waiting for server]</source>
        <translation>[待服务器确认]</translation>
    </message>
    <message>
        <location filename="../../app/views/case_pane.py" line="133" />
        <source>Select a case first</source>
        <translation>请先选择案卷</translation>
    </message>
</context>
<context>
    <name>CaseQueueModel</name>
    <message>
        <location filename="../../app/views/queue_model.py" line="49" />
        <source>Number</source>
        <translation>案卷号</translation>
    </message>
    <message>
        <location filename="../../app/views/queue_model.py" line="49" />
        <source>Category</source>
        <translation>类别</translation>
    </message>
    <message>
        <location filename="../../app/views/queue_model.py" line="49" />
        <source>Cell</source>
        <translation>网格</translation>
    </message>
    <message>
        <location filename="../../app/views/queue_model.py" line="50" />
        <source>Department</source>
        <translation>处置部门</translation>
    </message>
    <message>
        <location filename="../../app/views/queue_model.py" line="50" />
        <source>Status</source>
        <translation>状态</translation>
    </message>
    <message>
        <location filename="../../app/views/queue_model.py" line="50" />
        <source>Time left</source>
        <translation>剩余时间</translation>
    </message>
    <message>
        <location filename="../../app/views/queue_model.py" line="110" />
        <source>overdue %1</source>
        <translation>超期 %1</translation>
    </message>
</context>
<context>
    <name>CentreStatusBar</name>
    <message>
        <location filename="../../app/views/status.py" line="54" />
        <source>Connecting…</source>
        <translation>正在连接…</translation>
    </message>
    <message>
        <location filename="../../app/views/status.py" line="57" />
        <source>● Online since %1</source>
        <translation>● 在线（自 %1）</translation>
    </message>
    <message>
        <location filename="../../app/views/status.py" line="60" />
        <source>● Server error: %1</source>
        <translation>● 服务器错误：%1</translation>
    </message>
    <message>
        <location filename="../../app/views/status.py" line="64" />
        <source>● OFFLINE since %1 (%2) — working on the local store</source>
        <translation>● 离线（自 %1，已 %2）— 正在使用本地数据</translation>
    </message>
    <message>
        <location filename="../../app/views/status.py" line="68" />
        <source>Last sync %1</source>
        <translation>最近同步 %1</translation>
    </message>
    <message numerus="yes">
        <location filename="../../app/views/status.py" line="71" />
        <source>%n command(s) waiting</source>
        <translation><numerusform>%n 条指令待发送</numerusform></translation>
    </message>
    <message numerus="yes">
        <location filename="../../app/views/status.py" line="73" />
        <source>%n rejected</source>
        <translation><numerusform>%n 条被拒绝</numerusform></translation>
    </message>
    <message>
        <location filename="../../app/views/status.py" line="76" />
        <source>Open %1 · overdue %2</source>
        <translation>在办 %1 · 超期 %2</translation>
    </message>
</context>
<context>
    <name>Labels</name>
    <message>
        <location filename="../../app/views/labels.py" line="16" />
        <source>Reported</source>
        <translation>已上报</translation>
    </message>
    <message>
        <location filename="../../app/views/labels.py" line="17" />
        <source>Verified</source>
        <translation>已核实</translation>
    </message>
    <message>
        <location filename="../../app/views/labels.py" line="18" />
        <source>Registered</source>
        <translation>已立案</translation>
    </message>
    <message>
        <location filename="../../app/views/labels.py" line="19" />
        <source>Cancelled</source>
        <translation>已作废</translation>
    </message>
    <message>
        <location filename="../../app/views/labels.py" line="20" />
        <source>Dispatched</source>
        <translation>已派遣</translation>
    </message>
    <message>
        <location filename="../../app/views/labels.py" line="21" />
        <source>Returned</source>
        <translation>已回退</translation>
    </message>
    <message>
        <location filename="../../app/views/labels.py" line="22" />
        <source>Handled</source>
        <translation>已处置</translation>
    </message>
    <message>
        <location filename="../../app/views/labels.py" line="23" />
        <source>Closed</source>
        <translation>已结案</translation>
    </message>
    <message>
        <location filename="../../app/views/labels.py" line="29" />
        <location filename="../../app/views/labels.py" line="45" />
        <source>Field supervisor</source>
        <translation>监督员</translation>
    </message>
    <message>
        <location filename="../../app/views/labels.py" line="30" />
        <source>12345 hotline</source>
        <translation>12345热线</translation>
    </message>
    <message>
        <location filename="../../app/views/labels.py" line="31" />
        <source>Public report</source>
        <translation>公众举报</translation>
    </message>
    <message>
        <location filename="../../app/views/labels.py" line="32" />
        <source>Video / IoT alarm</source>
        <translation>视频/物联网告警</translation>
    </message>
    <message>
        <location filename="../../app/views/labels.py" line="33" />
        <source>Leader's assignment</source>
        <translation>领导交办</translation>
    </message>
    <message>
        <location filename="../../app/views/labels.py" line="34" />
        <source>Media</source>
        <translation>媒体曝光</translation>
    </message>
    <message>
        <location filename="../../app/views/labels.py" line="35" />
        <source>Command centre</source>
        <translation>指挥中心</translation>
    </message>
    <message>
        <location filename="../../app/views/labels.py" line="41" />
        <source>Acceptor</source>
        <translation>受理员</translation>
    </message>
    <message>
        <location filename="../../app/views/labels.py" line="42" />
        <source>Shift leader</source>
        <translation>值班长</translation>
    </message>
    <message>
        <location filename="../../app/views/labels.py" line="43" />
        <source>Dispatcher</source>
        <translation>派遣员</translation>
    </message>
    <message>
        <location filename="../../app/views/labels.py" line="44" />
        <source>Department</source>
        <translation>处置部门</translation>
    </message>
    <message>
        <location filename="../../app/views/labels.py" line="46" />
        <source>Administrator</source>
        <translation>管理员</translation>
    </message>
    <message>
        <location filename="../../app/views/labels.py" line="52" />
        <source>Register</source>
        <translation>立案</translation>
    </message>
    <message>
        <location filename="../../app/views/labels.py" line="53" />
        <source>Cancel</source>
        <translation>取消</translation>
    </message>
    <message>
        <location filename="../../app/views/labels.py" line="54" />
        <source>Dispatch</source>
        <translation>派遣</translation>
    </message>
    <message>
        <location filename="../../app/views/labels.py" line="55" />
        <source>Return</source>
        <translation>回退</translation>
    </message>
    <message>
        <location filename="../../app/views/labels.py" line="56" />
        <source>Report handled</source>
        <translation>处置反馈</translation>
    </message>
    <message>
        <location filename="../../app/views/labels.py" line="57" />
        <source>Rework</source>
        <translation>返工</translation>
    </message>
    <message>
        <location filename="../../app/views/labels.py" line="58" />
        <source>Close</source>
        <translation>结案</translation>
    </message>
    <message>
        <location filename="../../app/views/labels.py" line="59" />
        <source>Note</source>
        <translation>备注</translation>
    </message>
    <message>
        <location filename="../../app/views/labels.py" line="65" />
        <source>Sweeper</source>
        <translation>扫路车</translation>
    </message>
    <message>
        <location filename="../../app/views/labels.py" line="66" />
        <source>Sprinkler</source>
        <translation>洒水车</translation>
    </message>
    <message>
        <location filename="../../app/views/labels.py" line="67" />
        <source>Muck truck</source>
        <translation>渣土车</translation>
    </message>
    <message>
        <location filename="../../app/views/labels.py" line="68" />
        <source>Patrol car</source>
        <translation>巡查车</translation>
    </message>
    <message>
        <location filename="../../app/views/labels.py" line="75" />
        <source>Rejected without a reason</source>
        <translation>被拒绝（未说明原因）</translation>
    </message>
    <message>
        <location filename="../../app/views/labels.py" line="79" />
        <source>Case {number} is already {status} (by {by} at {at} from {workstation})</source>
        <translation>案卷 {number} 已是“{status}”状态（{by} 于 {at} 在 {workstation} 操作）</translation>
    </message>
    <message>
        <location filename="../../app/views/labels.py" line="84" />
        <source>The case does not exist on the server</source>
        <translation>服务器上不存在该案卷</translation>
    </message>
    <message>
        <location filename="../../app/views/labels.py" line="86" />
        <source>A {role} may not {action}</source>
        <translation>{role}无权执行“{action}”</translation>
    </message>
    <message>
        <location filename="../../app/views/labels.py" line="89" />
        <source>A reason is required</source>
        <translation>必须填写原因</translation>
    </message>
    <message>
        <location filename="../../app/views/labels.py" line="91" />
        <source>The department does not exist</source>
        <translation>该部门不存在</translation>
    </message>
    <message>
        <location filename="../../app/views/labels.py" line="93" />
        <source>The category does not exist</source>
        <translation>该类别不存在</translation>
    </message>
    <message>
        <location filename="../../app/views/labels.py" line="95" />
        <source>The grid cell does not exist</source>
        <translation>该单元网格不存在</translation>
    </message>
    <message>
        <location filename="../../app/views/labels.py" line="97" />
        <source>The location is not in the district</source>
        <translation>该位置不在本区内</translation>
    </message>
    <message>
        <location filename="../../app/views/labels.py" line="99" />
        <source>The case already exists</source>
        <translation>该案卷已存在</translation>
    </message>
    <message>
        <location filename="../../app/views/labels.py" line="101" />
        <source>A note needs text</source>
        <translation>备注不能为空</translation>
    </message>
    <message>
        <location filename="../../app/views/labels.py" line="103" />
        <source>The command was signed by another operator</source>
        <translation>该指令由其他操作员签发</translation>
    </message>
    <message>
        <location filename="../../app/views/labels.py" line="105" />
        <source>The command was malformed</source>
        <translation>指令格式错误</translation>
    </message>
</context>
<context>
    <name>LoginDialog</name>
    <message>
        <location filename="../../app/views/login_dialog.py" line="11" />
        <source>GridDesk — sign in</source>
        <translation>网格指挥台 — 登录</translation>
    </message>
    <message>
        <location filename="../../app/views/login_dialog.py" line="20" />
        <source>Workstation</source>
        <translation>工作站</translation>
    </message>
    <message>
        <location filename="../../app/views/login_dialog.py" line="21" />
        <source>User name</source>
        <translation>用户名</translation>
    </message>
    <message>
        <location filename="../../app/views/login_dialog.py" line="22" />
        <source>Password</source>
        <translation>密码</translation>
    </message>
    <message>
        <location filename="../../app/views/login_dialog.py" line="24" />
        <source>Sign in</source>
        <translation>登录</translation>
    </message>
    <message>
        <location filename="../../app/views/login_dialog.py" line="25" />
        <source>Quit</source>
        <translation>退出</translation>
    </message>
</context>
<context>
    <name>MainWindow</name>
    <message>
        <location filename="../../app/views/main_window.py" line="48" />
        <source>GridDesk — District Command Centre</source>
        <translation>网格指挥台 — 区城市管理指挥中心</translation>
    </message>
    <message>
        <location filename="../../app/views/main_window.py" line="111" />
        <source>Rejected commands</source>
        <translation>被拒绝的指令</translation>
    </message>
    <message>
        <location filename="../../app/views/main_window.py" line="117" />
        <source>Acknowledge selected</source>
        <translation>确认已阅</translation>
    </message>
    <message>
        <location filename="../../app/views/main_window.py" line="128" />
        <source>&amp;Case</source>
        <translation>案卷(&amp;C)</translation>
    </message>
    <message>
        <location filename="../../app/views/main_window.py" line="130" />
        <source>Find case by number…</source>
        <translation>按案卷号查找…</translation>
    </message>
    <message>
        <location filename="../../app/views/main_window.py" line="131" />
        <source>Dispatch selected case</source>
        <translation>派遣所选案卷</translation>
    </message>
    <message>
        <location filename="../../app/views/main_window.py" line="132" />
        <source>Close selected case</source>
        <translation>所选案卷结案</translation>
    </message>
    <message>
        <location filename="../../app/views/main_window.py" line="133" />
        <source>Register case at map centre…</source>
        <translation>在地图中心立案…</translation>
    </message>
    <message>
        <location filename="../../app/views/main_window.py" line="134" />
        <source>Sync now</source>
        <translation>立即同步</translation>
    </message>
    <message>
        <location filename="../../app/views/main_window.py" line="141" />
        <source>&amp;View</source>
        <translation>视图(&amp;V)</translation>
    </message>
    <message>
        <location filename="../../app/views/main_window.py" line="142" />
        <source>Whole district</source>
        <translation>全区</translation>
    </message>
    <message numerus="yes">
        <location filename="../../app/views/main_window.py" line="173" />
        <source>The server rejected %n command(s): see Rejected commands</source>
        <translation><numerusform>服务器拒绝了 %n 条指令：请查看“被拒绝的指令”</numerusform></translation>
    </message>
    <message>
        <location filename="../../app/views/main_window.py" line="251" />
        <source>Not possible</source>
        <translation>无法执行</translation>
    </message>
    <message>
        <location filename="../../app/views/main_window.py" line="263" />
        <source>That point is not in any grid cell of the district</source>
        <translation>该位置不在本区任何单元网格内</translation>
    </message>
    <message>
        <location filename="../../app/views/main_window.py" line="294" />
        <source>Find case</source>
        <translation>查找案卷</translation>
    </message>
    <message>
        <location filename="../../app/views/main_window.py" line="294" />
        <source>Case number (official or provisional):</source>
        <translation>案卷号（正式或临时）：</translation>
    </message>
    <message>
        <location filename="../../app/views/main_window.py" line="299" />
        <source>No case with number %1</source>
        <translation>没有案卷号为 %1 的案卷</translation>
    </message>
</context>
<context>
    <name>RegisterDialog</name>
    <message>
        <location filename="../../app/views/register_dialog.py" line="25" />
        <source>Register case</source>
        <translation>立案</translation>
    </message>
    <message>
        <location filename="../../app/views/register_dialog.py" line="27" />
        <source>Event</source>
        <translation>事件</translation>
    </message>
    <message>
        <location filename="../../app/views/register_dialog.py" line="28" />
        <source>Component</source>
        <translation>部件</translation>
    </message>
    <message>
        <location filename="../../app/views/register_dialog.py" line="38" />
        <source>What is wrong, where exactly</source>
        <translation>问题内容及具体位置</translation>
    </message>
    <message>
        <location filename="../../app/views/register_dialog.py" line="40" />
        <source>Cell</source>
        <translation>网格</translation>
    </message>
    <message>
        <location filename="../../app/views/register_dialog.py" line="41" />
        <source>Category</source>
        <translation>类别</translation>
    </message>
    <message>
        <location filename="../../app/views/register_dialog.py" line="42" />
        <source>Source</source>
        <translation>来源</translation>
    </message>
    <message>
        <location filename="../../app/views/register_dialog.py" line="43" />
        <source>Address</source>
        <translation>地址</translation>
    </message>
    <message>
        <location filename="../../app/views/register_dialog.py" line="44" />
        <source>Description</source>
        <translation>问题描述</translation>
    </message>
    <message>
        <location filename="../../app/views/register_dialog.py" line="46" />
        <source>Register</source>
        <translation>立案</translation>
    </message>
    <message>
        <location filename="../../app/views/register_dialog.py" line="47" />
        <source>Cancel</source>
        <translation>取消</translation>
    </message>
</context>
<context>
    <name>_Legend</name>
    <message>
        <location filename="../../app/views/map_view.py" line="933" />
        <source>Vehicles</source>
        <translation>车辆</translation>
    </message>
    <message>
        <location filename="../../app/views/map_view.py" line="934" />
        <source>Sweeper</source>
        <translation>扫路车</translation>
    </message>
    <message>
        <location filename="../../app/views/map_view.py" line="934" />
        <source>Sprinkler</source>
        <translation>洒水车</translation>
    </message>
    <message>
        <location filename="../../app/views/map_view.py" line="934" />
        <source>Muck truck</source>
        <translation>渣土车</translation>
    </message>
    <message>
        <location filename="../../app/views/map_view.py" line="934" />
        <source>Patrol</source>
        <translation>巡查车</translation>
    </message>
    <message>
        <location filename="../../app/views/map_view.py" line="936" />
        <source>Stale / offline</source>
        <translation>信号滞后/离线</translation>
    </message>
    <message>
        <location filename="../../app/views/map_view.py" line="937" />
        <source>Cases</source>
        <translation>案卷</translation>
    </message>
    <message>
        <location filename="../../app/views/map_view.py" line="938" />
        <source>On time</source>
        <translation>正常</translation>
    </message>
    <message>
        <location filename="../../app/views/map_view.py" line="938" />
        <source>Due soon</source>
        <translation>即将超期</translation>
    </message>
    <message>
        <location filename="../../app/views/map_view.py" line="938" />
        <source>Overdue</source>
        <translation>已超期</translation>
    </message>
</context>
<context>
    <name>_ScaleBar</name>
    <message>
        <location filename="../../app/views/map_view.py" line="1032" />
        <source>%1 km</source>
        <translation>%1 公里</translation>
    </message>
    <message>
        <location filename="../../app/views/map_view.py" line="1034" />
        <source>%1 m</source>
        <translation>%1 米</translation>
    </message>
</context>
<context>
    <name>window</name>
    <message>
        <location filename="../../main.py" line="105" />
        <source>Offline</source>
        <translation>离线</translation>
    </message>
    <message>
        <location filename="../../main.py" line="106" />
        <source>The server cannot be reached. You are working on this workstation's local store; commands are sent when it is back.</source>
        <translation>无法连接服务器。您正在使用本工作站的本地数据，服务器恢复后指令将自动发送。</translation>
    </message>
</context>
</TS>